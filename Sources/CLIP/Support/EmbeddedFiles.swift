import Crypto
import Foundation

/// Files compiled into the binary by a C target (C23 `#embed`), read without a copy. SwiftPM's resource
/// bundles are found only beside the build folder, so a `clip` copied or installed elsewhere crashed on
/// first use; embedded files travel with the binary.
public struct EmbeddedFiles: Sendable {
    public let files: [String: Data]

    /// `name(i)` and `bytes(i, &size)` for `i < count`: the accessors every embedding C target exports.
    public init(
        count: Int, name: (Int) -> UnsafePointer<CChar>?,
        bytes: (Int, UnsafeMutablePointer<Int>) -> UnsafePointer<UInt8>?
    ) {
        var files: [String: Data] = [:]
        for i in 0..<count {
            var size = 0
            guard let cName = name(i), let start = bytes(i, &size) else { continue }
            // The bytes are static data of the binary: never freed, never written.
            files[String(cString: cName)] = Data(
                bytesNoCopy: UnsafeMutableRawPointer(mutating: start), count: size, deallocator: .none)
        }
        self.files = files
    }

    public subscript(name: String) -> Data? { files[name] }

    /// The first 16 hex digits of a SHA-256 over every name and content: tells two builds' files apart.
    public var fingerprint: String {
        var hash = SHA256()
        for name in files.keys.sorted() {
            hash.update(data: Data(name.utf8) + [0])
            hash.update(data: files[name]!)
        }
        return hash.finalize().prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// The file's bytes, or an error naming it as missing from this build (a packaging bug, not the user's).
    public func data(_ name: String) throws -> Data {
        guard let data = files[name] else {
            throw CLIPError.io(file: name, reason: "is missing from this build's embedded files")
        }
        return data
    }

    /// Writes every file into `folder` once, for readers that need paths (a model loads from a folder): the
    /// folder is filled beside its final name and renamed into place, so a reader never sees half of it, and
    /// two processes doing this at once both end with the same complete folder.
    public func materialize(in folder: URL) throws -> URL {
        let fm = FileManager.default
        if isComplete(folder) { return folder }
        let parent = folder.deletingLastPathComponent()
        try FileOutput.createFolder(parent)
        let staging = parent.appendingPathComponent(
            ".\(folder.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).partial")
        try? fm.removeItem(at: staging)
        try FileOutput.createFolder(staging)
        defer { try? fm.removeItem(at: staging) }
        for (name, data) in files {
            try FileOutput.write(data, to: staging.appendingPathComponent(name))
        }
        if fm.fileExists(atPath: folder.path) {
            if isComplete(folder) { return folder }  // another process finished first
            try fm.removeItem(at: folder)  // an older, damaged copy
        }
        do {
            try fm.moveItem(at: staging, to: folder)
        } catch  where isComplete(folder) {
            return folder
        }
        return folder
    }

    /// Every file present with its size (a cheap check; the folder's name carries the content hash).
    private func isComplete(_ folder: URL) -> Bool {
        files.allSatisfy { name, data in
            let attributes = try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)
            return (attributes?[.size] as? NSNumber)?.intValue == data.count
        }
    }
}
