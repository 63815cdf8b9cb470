"""Training of the shipped sentence-boundary models (`python -m chunkcli.train.punct`)."""
