import Foundation

/// Writes safetensors files (F32 or F16), tensors in the given order, atomically.
public enum SafeTensorsWriter {
    public static func write(
        _ tensors: [(name: String, tensor: Tensor)], dtype: SafeTensorsDType = .f32,
        metadata: [String: String] = [:], to url: URL
    ) throws {
        guard dtype == .f32 || dtype == .f16 else {
            throw CLIPError.invalidArgument("writing \(dtype.rawValue) is not supported; use F32 or F16")
        }
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for (name, tensor) in tensors {
            let bytes = tensor.count * dtype.byteSize
            header[name] = ["dtype": dtype.rawValue, "shape": tensor.shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces so the data section starts 8-byte aligned, as the reference writer does.
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for (_, tensor) in tensors {
            switch dtype {
            case .f32: data.append(Data(buffer: UnsafeBufferPointer(tensor.buffer)))
            case .f16:
                data.append(
                    contentsOf: tensor.buffer.flatMap { v -> [UInt8] in
                        let bits = Float16(v).bitPattern
                        return [UInt8(bits & 0xFF), UInt8(bits >> 8)]
                    })
            case .bf16, .i64: break
            }
        }
        try FileOutput.write(data, to: url)
    }
}
