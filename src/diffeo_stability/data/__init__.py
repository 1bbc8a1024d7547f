"""Data stage (`workflow/rules/data.smk`): the dataset registry, original file formats, fetching and
conversion to `resources/data/{dataset}.npz`, in-memory images, training subsets, synthetic sets."""
