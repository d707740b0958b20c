"""Evaluation: metrics, the baselines, scoring a split, prediction intervals, forecasting past the
data (predict and evaluate), and inspecting a trained model."""
