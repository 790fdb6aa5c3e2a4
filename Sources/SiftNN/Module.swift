// SiftNN module
