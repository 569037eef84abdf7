"""Datasets: importers of VIA/COCO/LabelMe into one canonical COCO form, and readers of that form.

Nothing here imports the model.
"""
