@main struct Sift { static func main() {} }
