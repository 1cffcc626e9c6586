import CLIP
import Foundation

/// An append-only file of float32 rows, read through mmap. The library's database records how many rows
/// are committed; rows past that count were written by a run that was killed before its database
/// transaction, and are cut off when the file is opened. So vectors are written and synced first, and
/// only then referenced. Thread-safe: a server's searches map rows while its indexer appends.
final class VectorFile: @unchecked Sendable {
    let url: URL
    let dimension: Int
    private let lock = NSLock()
    private var committed: Int
    var count: Int { lock.withLock { committed } }
    private let fd: Int32
    private var mapped: UnsafeMutableRawPointer?
    private var mappedLength = 0
    /// Earlier, smaller mappings: kept until the file is closed, so rows handed out stay readable after
    /// appends (a search may still be reading them). The mapped sizes grow geometrically, so these add
    /// at most the file's size in address space, and no memory.
    private var retired: [(UnsafeMutableRawPointer, Int)] = []

    init(url: URL, dimension: Int, committedRows: Int) throws {
        self.url = url
        self.dimension = dimension
        fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CLIPError.io(file: url.path, reason: "cannot open the vector file: \(String(cString: strerror(errno)))") }
        let rowBytes = dimension * MemoryLayout<Float>.size
        var info = stat()
        fstat(fd, &info)
        let available = Int(info.st_size) / rowBytes
        guard available >= committedRows else {
            close(fd)
            throw CLIPError.io(file: url.path, reason: "holds \(available) vectors but the library records \(committedRows): the file was truncated or replaced; delete the library folder to rebuild it")
        }
        committed = committedRows
        if Int(info.st_size) != committedRows * rowBytes { ftruncate(fd, off_t(committedRows * rowBytes)) }
    }

    deinit {
        unmap()
        for (pointer, length) in retired { munmap(pointer, length) }
        close(fd)
    }

    /// Appends `rows` (each `dimension` floats) and syncs them to disk; returns their row numbers.
    func append(_ rows: [[Float]]) throws -> Range<Int> {
        lock.lock()
        defer { lock.unlock() }
        let start = committed
        var bytes = [Float]()
        bytes.reserveCapacity(rows.count * dimension)
        for row in rows {
            precondition(row.count == dimension, "vector of \(row.count) floats in a \(dimension)-d file")
            bytes += row
        }
        let offset = off_t(start * dimension * MemoryLayout<Float>.size)
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, offset) }
        guard written == bytes.count * MemoryLayout<Float>.size, fsync(fd) == 0 else {
            throw CLIPError.io(file: url.path, reason: "cannot write vectors: \(String(cString: strerror(errno)))")
        }
        committed += rows.count
        return start..<committed
    }

    /// Another process committed rows up to `rows` (read from the database under the library's write
    /// lock): later appends go after them.
    func adopt(committedRows rows: Int) {
        lock.withLock { committed = max(committed, rows) }
    }

    /// Drops every row (the model changed). Only when the library is opened, before any row is handed out.
    func removeAll() throws {
        lock.lock()
        defer { lock.unlock() }
        unmap()
        guard ftruncate(fd, 0) == 0, fsync(fd) == 0 else { throw CLIPError.io(file: url.path, reason: "cannot truncate") }
        committed = 0
    }

    /// All committed rows, `[count, dimension]`, or the first `atLeast` rows when another process has
    /// committed more than this one knows of. The memory stays valid (and unchanged: rows are never
    /// rewritten) for the life of this file object, across later appends.
    func rows(atLeast: Int = 0) throws -> UnsafeBufferPointer<Float> {
        lock.lock()
        defer { lock.unlock() }
        let count = max(committed, atLeast)
        let length = count * dimension * MemoryLayout<Float>.size
        guard length > 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
        if mappedLength < length {
            // Map twice what is needed: rows appended later appear in this mapping (it is shared with the
            // file), so a growing library remaps only when it doubles.
            let capacity = 2 * length
            guard let pointer = mmap(nil, capacity, PROT_READ, MAP_SHARED, fd, 0), pointer != MAP_FAILED else {
                throw CLIPError.io(file: url.path, reason: "cannot map the vector file: \(String(cString: strerror(errno)))")
            }
            if let mapped { retired.append((mapped, mappedLength)) }
            mapped = pointer
            mappedLength = capacity
        }
        return UnsafeBufferPointer(start: mapped!.assumingMemoryBound(to: Float.self), count: count * dimension)
    }

    private func unmap() {
        if let mapped { munmap(mapped, mappedLength) }
        mapped = nil
        mappedLength = 0
    }
}
