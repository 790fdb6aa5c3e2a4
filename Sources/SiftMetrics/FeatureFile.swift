import Foundation
import SiftTensor
import SiftUtilities

/// Why a feature file could not be read or written, naming the file.
public struct FeatureFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
}

/// Feature sets on disk: NumPy `.npy` (2-D, little-endian float32 or float64, C or Fortran
/// order; format versions 1–3) and CSV (one row per line, comma-separated numbers, an optional
/// non-numeric header line, `#` comments).
public enum FeatureFile {
    /// Reads `.npy` by its magic bytes, anything else as CSV.
    public static func read(_ path: String) throws(FeatureFileError) -> FeatureMatrix {
        try decode(try contents(path), path: path)
    }

    /// Decodes `.npy` (by its magic bytes) or CSV bytes; `path` names them in errors.
    public static func decode(_ data: Data, path: String) throws(FeatureFileError) -> FeatureMatrix {
        let matrix = data.starts(with: npyMagic) ? try readNPY(data, path: path) : try readCSV(data, path: path).matrix
        guard matrix.rows > 0, matrix.columns > 0 else {
            throw FeatureFileError(path: path, problem: "holds no features (\(matrix.rows) rows × \(matrix.columns) columns)")
        }
        if let i = matrix.values.firstIndex(where: { !$0.isFinite }) {
            throw FeatureFileError(path: path, problem: "non-finite value \(matrix.values[i]) at row \(i / matrix.columns), column \(i % matrix.columns)")
        }
        return matrix
    }

    static let npyMagic = Data([0x93]) + Data("NUMPY".utf8)

    static func contents(_ path: String) throws(FeatureFileError) -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw FeatureFileError(path: path, problem: "cannot read the file (\(error.localizedDescription))")
        }
    }

    static func readNPY(_ data: Data, path: String) throws(FeatureFileError) -> FeatureMatrix {
        func fail(_ problem: String) -> FeatureFileError { FeatureFileError(path: path, problem: problem) }
        let bytes = [UInt8](data)
        guard bytes.count >= 10 else { throw fail("truncated NumPy header") }
        let major = bytes[6]
        let headerLengthSize = major == 1 ? 2 : 4
        guard (1...3).contains(major) else { throw fail("unsupported .npy format version \(major)") }
        guard bytes.count >= 8 + headerLengthSize else { throw fail("truncated NumPy header") }
        var headerLength = 0
        for i in 0..<headerLengthSize { headerLength |= Int(bytes[8 + i]) << (8 * i) }
        let start = 8 + headerLengthSize
        guard bytes.count >= start + headerLength else { throw fail("truncated NumPy header (declares \(headerLength) bytes)") }
        guard let header = String(bytes: bytes[start..<(start + headerLength)], encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("unreadable NumPy header")
        }
        guard let descr = field("descr", in: header).map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) }) else {
            throw fail("NumPy header has no 'descr': \(header)")
        }
        let width: Int
        switch descr {
        case "<f4", "|f4", "=f4": width = 4
        case "<f8", "|f8", "=f8": width = 8
        default: throw fail("dtype '\(descr)' is not supported: save float32 or float64 little-endian features")
        }
        let fortran = field("fortran_order", in: header) == "True"
        guard let shapeText = shape(in: header) else { throw fail("NumPy header has no 'shape': \(header)") }
        let dims = shapeText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard dims.count == 2, let rows = Int(dims[0]), let columns = Int(dims[1]) else {
            throw fail("array must be 2-D (samples × features), found shape (\(shapeText))")
        }
        guard rows > 0, columns > 0 else { throw fail("array shape (\(rows), \(columns)) has no features") }
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow, count <= Int.max / 8 else { throw fail("array shape (\(rows), \(columns)) is too large") }
        let payload = start + headerLength
        let needed = count * width
        guard bytes.count - payload >= needed else {
            throw fail("truncated data: shape (\(rows), \(columns)) needs \(needed) bytes, file has \(bytes.count - payload)")
        }
        var values = [Double](repeating: 0, count: rows * columns)
        data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + payload
            for i in 0..<(rows * columns) {
                let v: Double = width == 4
                    ? Double(Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))))
                    : Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
                // Fortran order stores column by column.
                let target = fortran ? (i % rows) * columns + i / rows : i
                values[target] = v
            }
        }
        return FeatureMatrix(rows: rows, columns: columns, values: values)
    }

    /// The text after `'key':` up to the next comma at depth 0 (or `}`).
    static func field(_ key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        let rest = header[range.upperBound...]
        let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) ?? rest.endIndex
        return rest[..<end].trimmingCharacters(in: .whitespaces)
    }

    static func shape(in header: String) -> String? {
        guard let range = header.range(of: "'shape':"),
              let open = header[range.upperBound...].firstIndex(of: "("),
              let close = header[open...].firstIndex(of: ")") else { return nil }
        return String(header[header.index(after: open)..<close])
    }

    static func readCSV(_ data: Data, path: String) throws(FeatureFileError) -> (header: [String]?, matrix: FeatureMatrix) {
        guard String(data: data, encoding: .utf8) != nil else {
            throw FeatureFileError(path: path, problem: "neither a NumPy .npy file nor UTF-8 CSV text")
        }
        let table: CSVTable
        do { table = try CSVTable.parse(data, path: path) } catch { throw FeatureFileError(path: path, problem: error.problem) }
        return (table.header, FeatureMatrix(rows: table.rows, columns: table.columns, values: table.values))
    }

    /// Writes a 2-D `.npy` (version 1.0) of float32 (`double: false`) or float64, atomically.
    public static func writeNPY(_ matrix: FeatureMatrix, to path: String, double: Bool = false) throws(FeatureFileError) {
        var header = "{'descr': '<\(double ? "f8" : "f4")', 'fortran_order': False, 'shape': (\(matrix.rows), \(matrix.columns)), }"
        // Pad so that the data starts on a 64-byte boundary, ending the header with a newline.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = npyMagic + Data([1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: header.utf8)
        if double {
            for v in matrix.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        } else {
            for v in matrix.values { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        do { try writeFileAtomically(data, to: URL(fileURLWithPath: path)) } catch {
            throw FeatureFileError(path: path, problem: error.reason)
        }
    }
}
