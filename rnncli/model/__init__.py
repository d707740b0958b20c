"""The forecaster: a recurrent network (nn.RNN, GRU or LSTM) and its heads, built from plain values."""
