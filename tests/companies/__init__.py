"""Companies other than the demo: models, generators and eval sets that test generalisation."""
