"""The offline planner: deterministic, no key, reading a question with the model's vocabulary.

planner.py     OfflinePlanner: plan(question, history) -> a plan
vocabulary.py  what it knows of one model before reading a question
conditions.py  the values and yes/no conditions a question names, kept or left out
reading/       the parts of a question it reads: names, time phrases, breakdowns, counts,
               rates, quantities, exclusions
checks/        what it must not ignore: unexplained words, shape words, and the questions
               back it asks instead of answering
"""
