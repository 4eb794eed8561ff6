"""A run as plain data: the stage list, what each stage depends on and keeps, and the report.
"""
