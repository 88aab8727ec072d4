"""The dataset: loading input files into named graphs, OWL RL inferences, the built and
cached store (`store.Dataset`), canonical Turtle, SHACL and quality-rule validation.

The bottom layer: it imports nothing from the other sub-packages.
"""
