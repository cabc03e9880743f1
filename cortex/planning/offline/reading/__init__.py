"""How the offline planner reads the parts of a question.

mentions.py    where metric and dimension names are mentioned
phrasing.py    time ranges, grains, top/bottom N and comparisons
grouping.py    which dimensions a question groups by
counting.py    what a count named in a question stands for
rates.py       rate and average words
quantities.py  quantities asked to be added up
exclusions.py  values a question leaves out
"""
