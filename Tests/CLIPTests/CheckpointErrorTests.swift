import CLIP
import CLIPTestSupport
import Foundation
import XCTest

/// Every malformed or mismatched checkpoint must give a `CLIPError` naming the file and the tensor, never a crash.
final class CheckpointErrorTests: XCTestCase {
    /// Raw safetensors bytes: an 8-byte length, the header text as given, then `data`.
    func rawFile(header: String, data: [UInt8] = [], lengthOverride: UInt64? = nil) throws -> String {
        let url = try temporaryDirectory(self).appendingPathComponent("bad.safetensors")
        var bytes = Data()
        withUnsafeBytes(of: (lengthOverride ?? UInt64(header.utf8.count)).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(Data(header.utf8))
        bytes.append(contentsOf: data)
        try bytes.write(to: url)
        return url.path
    }

    func testTruncatedBelowHeaderLength() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("tiny.safetensors")
        try Data([1, 2, 3]).write(to: url)
        assertCLIPError([url.path, "too short"]) { try SafeTensorsFile(path: url.path) }
    }

    func testHeaderLengthPastEndOfFile() throws {
        let path = try rawFile(header: "{}", lengthOverride: 1000)
        assertCLIPError([path, "runs past the end"]) { try SafeTensorsFile(path: path) }
    }

    func testHeaderNotJSON() throws {
        let path = try rawFile(header: "not json")
        assertCLIPError([path, "not a JSON object"]) { try SafeTensorsFile(path: path) }
    }

    func testOffsetsOutOfRange() throws {
        let path = try rawFile(
            header: #"{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"#,
            data: [UInt8](repeating: 0, count: 8))
        assertCLIPError([path, "'w'", "run past"]) { try SafeTensorsFile(path: path) }
    }

    func testOverlappingTensors() throws {
        let header =
            #"""
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], \#
            "data_offsets": [4, 12]}}
            """#
        let path = try rawFile(header: header, data: [UInt8](repeating: 0, count: 12))
        assertCLIPError([path, "'b'", "overlaps tensor 'a'"]) { try SafeTensorsFile(path: path) }
    }

    func testUnknownDType() throws {
        let path = try rawFile(
            header: #"{"w": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}"#,
            data: [UInt8](repeating: 0, count: 8))
        assertCLIPError([path, "'w'", "unsupported dtype 'F64'"]) { try SafeTensorsFile(path: path) }
    }

    func testSizeDisagreesWithShape() throws {
        let path = try rawFile(
            header: #"{"w": {"dtype": "F16", "shape": [3], "data_offsets": [0, 8]}}"#,
            data: [UInt8](repeating: 0, count: 8))
        assertCLIPError([path, "'w'", "needs 6 bytes"]) { try SafeTensorsFile(path: path) }
    }

    func testNonIntegerOffsets() throws {
        let path = try rawFile(
            header: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4.5]}}"#,
            data: [UInt8](repeating: 0, count: 8))
        assertCLIPError([path, "'w'", "data_offsets"]) { try SafeTensorsFile(path: path) }
    }

    func testReadsF16AndBF16() throws {
        // 1.5 in F16 is 0x3E00; -2.0 in BF16 is 0xC000.
        let header =
            #"""
            {"h": {"dtype": "F16", "shape": [1], "data_offsets": [0, 2]}, "b": {"dtype": "BF16", "shape": [1], \#
            "data_offsets": [2, 4]}}
            """#
        let path = try rawFile(header: header, data: [0x00, 0x3E, 0x00, 0xC0])
        let file = try SafeTensorsFile(path: path)
        XCTAssertEqual(try file.floats("h").scalars, [1.5])
        XCTAssertEqual(try file.floats("b").scalars, [-2.0])
    }

    /// Copies the tiny HF fixture with its tensors edited by `edit`, and returns the folder.
    func editedModel(_ edit: (inout [(name: String, tensor: Tensor)]) -> Void) throws -> URL {
        let source = Fixtures.url("engine/hf_quickgelu_p32")
        let file = try SafeTensorsFile(path: source.appendingPathComponent("model.safetensors").path)
        var tensors = try file.entries.keys.sorted().map { (name: $0, tensor: try file.floats($0)) }
        edit(&tensors)
        let dir = try temporaryDirectory(self)
        try FileManager.default.copyItem(
            at: source.appendingPathComponent("config.json"), to: dir.appendingPathComponent("config.json"))
        try SafeTensorsWriter.write(tensors, to: dir.appendingPathComponent("model.safetensors"))
        return dir
    }

    func testMissingTensorIsNamed() throws {
        let dir = try editedModel { $0.removeAll { $0.name == "text_model.encoder.layers.1.mlp.fc2.bias" } }
        assertCLIPError(["model.safetensors", "text_model.encoder.layers.1.mlp.fc2.bias", "missing"]) {
            try CLIPModel.load(from: dir)
        }
        // The image tower alone does not need it.
        XCTAssertNoThrow(try CLIPModel.load(from: dir, towers: .vision))
    }

    func testWrongShapeIsNamed() throws {
        let dir = try editedModel { tensors in
            let i = tensors.firstIndex { $0.name == "vision_model.post_layernorm.weight" }!
            tensors[i].tensor = Tensor(zeros: [63])
        }
        assertCLIPError(["vision_model.post_layernorm.weight", "has shape [63], expected [64]"]) {
            try CLIPModel.load(from: dir)
        }
    }

    func testUnexpectedTensorIsNamed() throws {
        let dir = try editedModel {
            $0.append((name: "vision_model.encoder.layers.2.mlp.fc1.weight", tensor: Tensor(zeros: [2, 2])))
        }
        assertCLIPError(["vision_model.encoder.layers.2.mlp.fc1.weight", "unexpected"]) {
            try CLIPModel.load(from: dir)
        }
    }

    func testTruncatedRealCheckpoint() throws {
        let source = Fixtures.url("engine/hf_quickgelu_p32")
        let dir = try temporaryDirectory(self)
        let data = try Data(contentsOf: source.appendingPathComponent("model.safetensors"))
        try data.prefix(data.count / 2).write(to: dir.appendingPathComponent("model.safetensors"))
        try FileManager.default.copyItem(
            at: source.appendingPathComponent("config.json"), to: dir.appendingPathComponent("config.json"))
        assertCLIPError(["model.safetensors", "tensor '", "run past", "truncated"]) { try CLIPModel.load(from: dir) }
    }

    func testBadConfigNamesTheField() throws {
        let dir = try temporaryDirectory(self)
        let config = dir.appendingPathComponent("config.json")
        try Data(#"{"vision_config": {"hidden_size": "wide"}}"#.utf8).write(to: config)
        assertCLIPError(["config.json", "vision_config.hidden_size"]) {
            try CLIPConfig(huggingFaceConfig: Data(contentsOf: config), source: config.path)
        }
        try Data(#"{"vision_config": {"hidden_size": 64, "num_attention_heads": 5}}"#.utf8).write(to: config)
        assertCLIPError(["vision.heads", "not divisible"]) {
            try CLIPConfig(huggingFaceConfig: Data(contentsOf: config), source: config.path)
        }
        try Data(#"{"text_config": {"hidden_act": "silu"}}"#.utf8).write(to: config)
        assertCLIPError(["text_config.hidden_act", "unsupported activation 'silu'"]) {
            try CLIPConfig(huggingFaceConfig: Data(contentsOf: config), source: config.path)
        }
        assertCLIPError(["unknown open_clip model 'ViT-Z-99'"]) { try CLIPConfig(openCLIPModelName: "ViT-Z-99") }
    }

    func testFolderWithoutCheckpoint() throws {
        let dir = try temporaryDirectory(self)
        assertCLIPError([dir.path, "neither config.json + model.safetensors"]) { try CLIPModel.load(from: dir) }
    }

    func testWriterRoundTrip() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("rt.safetensors")
        let a = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), b = Tensor(shape: [1], values: [0.5])
        try SafeTensorsWriter.write([("a", a), ("b", b)], dtype: .f16, to: url)
        let file = try SafeTensorsFile(path: url.path)
        XCTAssertEqual(try file.floats("a").scalars, a.scalars)
        XCTAssertEqual(try file.floats("a").shape, [2, 3])
        XCTAssertEqual(try file.floats("b").scalars, [0.5])
    }
}
