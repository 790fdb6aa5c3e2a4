// SiftData module
