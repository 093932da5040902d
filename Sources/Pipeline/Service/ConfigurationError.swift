/// A configuration value that cannot work, said as the person who wrote it can fix it. Every
/// module that checks settings (the root, on-the-fly URLs) throws this one type.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
