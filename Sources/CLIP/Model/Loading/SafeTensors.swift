import Foundation

/// Element types a safetensors file may hold that SwiftCLIP can read as Float32.
public enum SafeTensorsDType: String, Sendable {
    /// I64: integer buffers some checkpoints carry (BatchNorm's `num_batches_tracked`); read as floats if asked.
    case f32 = "F32", f16 = "F16", bf16 = "BF16", i64 = "I64"

    var byteSize: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .i64: return 8
        }
    }
}

/// One tensor's header entry, already validated against the file.
public struct SafeTensorsEntry: Sendable {
    public let name: String
    public let dtype: SafeTensorsDType
    public let shape: [Int]
    /// Byte range inside the data section.
    public let range: Range<Int>
}

/// A memory-mapped safetensors file.
///
/// Format: 8-byte little-endian header length N, N bytes of JSON, then the data section. Every header
/// field is validated before any byte of data is touched: offsets inside the data section, sizes that
/// match dtype × shape, no overlaps. A malformed file is a `CLIPError.checkpoint` naming the tensor.
public final class SafeTensorsFile: @unchecked Sendable {
    public let path: String
    public let entries: [String: SafeTensorsEntry]
    public let metadata: [String: String]
    private let mapping: UnsafeRawPointer
    private let mappedSize: Int
    private let dataStart: Int

    /// Largest header accepted (the reference implementation's limit is 100 MB).
    static let maxHeaderBytes = 100_000_000

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CLIPError.io(file: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw CLIPError.io(file: path, reason: String(cString: strerror(errno))) }
        let size = Int(info.st_size)
        guard size >= 8 else {
            throw CLIPError.checkpoint(
                file: path, tensor: nil,
                reason: "file is \(size) bytes, too short for a safetensors header (truncated?)")
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw CLIPError.io(file: path, reason: "cannot mmap: \(String(cString: strerror(errno)))")
        }
        mapping = UnsafeRawPointer(base)
        mappedSize = size
        do {
            let headerLength = Int(UInt64(littleEndian: mapping.loadUnaligned(as: UInt64.self)))
            guard headerLength <= Self.maxHeaderBytes else {
                throw CLIPError.checkpoint(
                    file: path, tensor: nil,
                    reason: "header length \(headerLength) exceeds the \(Self.maxHeaderBytes)-byte limit")
            }
            guard headerLength <= size - 8 else {
                throw CLIPError.checkpoint(
                    file: path, tensor: nil,
                    reason: "header length \(headerLength) runs past the end of the \(size)-byte file (truncated?)")
            }
            dataStart = 8 + headerLength
            let header = Data(bytes: mapping + 8, count: headerLength)
            (entries, metadata) = try Self.parseHeader(header, dataSize: size - dataStart, path: path)
        } catch {
            munmap(base, size)
            throw error
        }
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: mapping), mappedSize) }

    static func parseHeader(_ header: Data, dataSize: Int, path: String) throws -> (
        [String: SafeTensorsEntry], [String: String]
    ) {
        guard let json = (try? JSONDecoder().decode(JSONValue.self, from: header))?.object else {
            throw CLIPError.checkpoint(file: path, tensor: nil, reason: "header is not a JSON object")
        }
        var entries: [String: SafeTensorsEntry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in json {
            if name == "__metadata__" {
                guard let map = value.object else {
                    throw CLIPError.checkpoint(file: path, tensor: nil, reason: "__metadata__ is not an object")
                }
                for (k, v) in map {
                    guard let s = v.string else {
                        throw CLIPError.checkpoint(
                            file: path, tensor: nil, reason: "__metadata__ value for '\(k)' is not a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            func fail(_ reason: String) -> CLIPError { .checkpoint(file: path, tensor: name, reason: reason) }
            guard let info = value.object else { throw fail("header entry is not an object") }
            guard let dtypeName = info["dtype"]?.string else { throw fail("missing or non-string 'dtype'") }
            guard let shapeValues = info["shape"]?.array else { throw fail("missing or non-array 'shape'") }
            guard let offsetValues = info["data_offsets"]?.array, offsetValues.count == 2 else {
                throw fail("'data_offsets' must be an array of two integers")
            }
            let shape = try shapeValues.map { v -> Int in
                guard let n = v.int, n >= 0 else { throw fail("shape has a non-integer or negative dimension") }
                return n
            }
            let offsets = try offsetValues.map { v -> Int in
                guard let n = v.int, n >= 0 else { throw fail("data_offsets are not non-negative integers") }
                return n
            }
            guard offsets[0] <= offsets[1] else {
                throw fail("data_offsets [\(offsets[0]), \(offsets[1])] are reversed")
            }
            guard offsets[1] <= dataSize else {
                throw fail(
                    """
                    data_offsets [\(offsets[0]), \(offsets[1])] run past the \(dataSize)-byte data section \
                    (truncated file?)
                    """
                )
            }
            guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
                throw fail("unsupported dtype '\(dtypeName)' (supported: F32, F16, BF16; I64 buffers)")
            }
            var elements = 1
            for dim in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
                guard !overflow else { throw fail("shape \(shape) overflows") }
                elements = product
            }
            guard elements * dtype.byteSize == offsets[1] - offsets[0] else {
                throw fail(
                    """
                    shape \(shape) of \(dtypeName) needs \(elements * dtype.byteSize) bytes but data_offsets span \
                    \(offsets[1] - offsets[0])
                    """
                )
            }
            entries[name] = SafeTensorsEntry(name: name, dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        let sorted = entries.values.filter { !$0.range.isEmpty }.sorted { $0.range.lowerBound < $1.range.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.range.lowerBound < a.range.upperBound {
            throw CLIPError.checkpoint(file: path, tensor: b.name, reason: "data overlaps tensor '\(a.name)'")
        }
        return (entries, metadata)
    }

    /// Reads a tensor as Float32, converting F16/BF16. F32 data is returned as a read-only view of the
    /// mapped file (kept alive by the tensor): copy it before writing to it.
    public func floats(_ name: String) throws -> Tensor {
        guard let entry = entries[name] else {
            throw CLIPError.checkpoint(file: path, tensor: name, reason: "tensor is missing")
        }
        return read(entry)
    }

    /// Drops the mapped pages of `entries` from this process's resident memory once their values have been
    /// packed elsewhere. The mapping is private and read-only, so this loses nothing: a tensor still borrowing
    /// those bytes reads them again from the page cache. Without it, every weight page a load touched would
    /// count in the resident set for the life of the model, beside its packed copy.
    func releasePages(of entries: [SafeTensorsEntry]) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        for entry in entries where entry.range.count >= page {
            let start = (dataStart + entry.range.lowerBound) / page * page
            let end = min(mappedSize, dataStart + entry.range.upperBound)
            madvise(UnsafeMutableRawPointer(mutating: mapping + start), end - start, MADV_DONTNEED)
        }
    }

    /// The tensor's values as `shape` (same element count). Aligned F32 data is borrowed from the mapping
    /// without a copy (only the pages actually read are ever loaded); F16/BF16 are converted.
    func read(_ entry: SafeTensorsEntry, as shape: [Int]? = nil) -> Tensor {
        let shape = shape ?? entry.shape
        let src = mapping + dataStart + entry.range.lowerBound
        if entry.dtype == .f32, Int(bitPattern: src) % MemoryLayout<Float>.alignment == 0 {
            return Tensor(borrowing: src.assumingMemoryBound(to: Float.self), shape: shape, owner: self)
        }
        let out = Tensor(uninitialized: shape)
        switch entry.dtype {
        case .f32:
            UnsafeMutableRawPointer(out.data).copyMemory(from: src, byteCount: entry.range.count)
        case .f16:
            for i in 0..<out.count {
                out.data[i] = Float(
                    Float16(bitPattern: UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                )
            }
        case .bf16:
            for i in 0..<out.count {
                out.data[i] = Float(
                    bitPattern: UInt32(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                        << 16)
            }
        case .i64:
            for i in 0..<out.count {
                out.data[i] = Float(Int64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
            }
        }
        return out
    }
}
