import CCLIPFiles
import Foundation

/// The CLIP library's own data (the BPE vocabulary, text tables, ImageNet names), compiled into the binary.
enum LibraryFiles {
    static let embedded = EmbeddedFiles(
        count: clip_file_count(), name: { clip_file_name($0) },
        bytes: { clip_file_bytes($0, $1) })
}
