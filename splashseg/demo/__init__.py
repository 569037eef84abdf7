"""The offline demo: a synthetic VIA dataset and clip, then import, train, evaluate, splash."""
