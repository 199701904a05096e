"""The pipeline's spaCy components, one module each; `nlu/config.cfg` wires them together.

spaCy finds the factories and the classifier architecture through the `spacy_factories` and
`spacy_architectures` entry points in pyproject.toml, so loading a pipeline needs no import
for its side effects.
"""
