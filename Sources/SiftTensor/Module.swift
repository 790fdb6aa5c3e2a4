// SiftTensor module
