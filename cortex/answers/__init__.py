"""What an answer says and shows: the sentence, the numbers, the chart.

wording.py     compact numbers, days, periods, conditions: the scope of a number in words
narrative.py   the two lines people quote, written from the result, never by a model
formatting.py  cells, periods and "how this was computed" as people read them
chart.py       a Vega-Lite chart built from the result's typed columns, rendered offline
"""
