import Foundation

/// Every failure a user can cause (bad files, bad configs, bad arguments) surfaces as a `CLIPError`
/// that names the file or field and says what to do. `precondition` is kept for programmer bugs only.
public enum CLIPError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A checkpoint file is malformed or does not match the model: names the file and, when known, the tensor.
    case checkpoint(file: String, tensor: String?, reason: String)
    /// A model configuration (config.json, open_clip JSON, model name) is unusable.
    case config(source: String, field: String?, reason: String)
    /// An input file (image, text list) cannot be used.
    case input(file: String, reason: String)
    /// An argument combination is invalid.
    case invalidArgument(String)
    /// An I/O failure while reading or writing a file.
    case io(file: String, reason: String)
    /// A download failed, or a model is not downloaded and cannot be (offline): `resource` is the URL or
    /// model name, `reason` says what happened and what to run.
    case network(resource: String, reason: String)

    public var description: String {
        switch self {
        case let .checkpoint(file, tensor, reason):
            if let tensor { return "\(file): tensor '\(tensor)': \(reason)" }
            return "\(file): \(reason)"
        case let .config(source, field, reason):
            if let field { return "\(source): field '\(field)': \(reason)" }
            return "\(source): \(reason)"
        case let .input(file, reason):
            return "\(file): \(reason)"
        case let .invalidArgument(message):
            return message
        case let .io(file, reason):
            return "\(file): \(reason)"
        case let .network(resource, reason):
            return "\(resource): \(reason)"
        }
    }

    /// For an input file, the reason alone (for callers that name the file themselves: a library record, a
    /// request's `input[i]`); otherwise the whole description.
    public var inputReason: String {
        if case let .input(_, reason) = self { return reason }
        return description
    }
}

extension CLIPError: LocalizedError {
    public var errorDescription: String? { description }
}
