"""rnncli: train, forecast and evaluate recurrent-network forecasters on CSV time series."""

__version__ = "0.1.0"
