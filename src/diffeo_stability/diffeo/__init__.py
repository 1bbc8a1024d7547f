"""The diffeomorphism ensemble (paper Section 2): max-entropy fields, their magnitudes and
bijectivity (`fields`), and resampling of images along them (`interpolation`). Knows no network."""
