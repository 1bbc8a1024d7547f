"""One module per figure; each defines `draw(inputs, options) -> matplotlib.figure.Figure`.

`inputs` are the paths the rule passes (tables, checkpoints, images); `options` are string
key/values from the config (`--set key=value`). Registered by name in `FIGURES`.
"""

FIGURES: dict[str, str] = {
    "fig1_diffeo_phase_space": "diffeo_stability.figures.fig1_diffeo_phase_space",
    "fig2_illustration": "diffeo_stability.figures.fig2_illustration",
    "fig3_sota_stability": "diffeo_stability.figures.fig3_sota_stability",
    "fig4_primitive_nets": "diffeo_stability.figures.fig4_primitive_nets",
    "fig5_error_vs_rf": "diffeo_stability.figures.fig5_error_vs_rf",
    "fig6_noise_diffeo_vs_P": "diffeo_stability.figures.fig6_noise_diffeo_vs_P",
    "fig7_stripe_model": "diffeo_stability.figures.fig7_stripe_model",
    "appendix_bijectivity_probability": "diffeo_stability.figures.appendix_bijectivity",
    "appendix_delta_vs_T": "diffeo_stability.figures.appendix_delta_vs_T",
    "appendix_interpolation": "diffeo_stability.figures.appendix_interpolation",
    "appendix_depth": "diffeo_stability.figures.appendix_depth",
    "appendix_df_gf_vs_error": "diffeo_stability.figures.appendix_df_gf_vs_error",
    "appendix_fig5_errorbars": "diffeo_stability.figures.appendix_fig5_errorbars",
    "appendix_fig6_errorbars": "diffeo_stability.figures.appendix_fig6_errorbars",
    "appendix_robustness": "diffeo_stability.figures.appendix_robustness",
}
