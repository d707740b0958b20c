"""Evaluation: pure functions of a model and prepared data: metrics, the baselines, scoring a split
(a `Scores` result), prediction intervals, recursive forecasts, forecasting past the data (predict
and evaluate), and tracing a trained model's recurrence."""
