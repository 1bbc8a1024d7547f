"""Stripe model (paper Section 6, `workflow/rules/stripe.smk`): data, one-hidden-layer net, its
training (`model`) and its measurements (`measure`)."""
