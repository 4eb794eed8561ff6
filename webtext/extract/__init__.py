"""Extract: Pages -> Documents with trafilatura, then the filters.

charset decodes the body, extraction runs trafilatura (under deadline's time
limit), walls spots captcha/cookie/login pages, clean repairs the text,
language keeps the languages asked for.
"""
