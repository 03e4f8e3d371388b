#if canImport(Glibc)
import FileIO
import Glibc
#endif
import VitalgateAgent

/// Where `provision` finds the device profiles when no --devices-dir is given,
/// wherever the command runs from: beside the installed program first
/// (`/usr/bin/vitalgate` → `/usr/share/vitalgate/devices`, the Debian
/// package's place; `/usr/local/bin` → `/usr/local/share/vitalgate/devices`),
/// then the package's place, then the `Devices/` folder of the source checkout
/// the program was built in (`.build/…/vitalgate` in a clone).
enum DeviceProfileFolder {
    static let installed = "/usr/share/vitalgate/devices"

    /// The folders looked in, in order.
    static func candidates(executable: String? = Files.executablePath()) -> [String] {
        var folders: [String] = []
        if let executable, let bin = parent(executable), let prefix = parent(bin) {
            folders.append(prefix + "/share/vitalgate/devices")
        }
        folders.append(installed)
        // A source checkout: the nearest folder above the program holding Package.swift and Devices/.
        var dir = executable.flatMap(parent)
        while let current = dir, current != "/" && !current.isEmpty {
            if Files.exists(current + "/Package.swift") && Files.exists(current + "/Devices") {
                folders.append(current + "/Devices")
                break
            }
            dir = parent(current)
        }
        var seen = Set<String>()
        return folders.filter { seen.insert($0).inserted }
    }

    /// The first candidate holding at least one profile (`*.json`).
    static func find() throws -> String {
        let looked = candidates()
        for folder in looked {
            if let names = try? Files.list(folder), names.contains(where: { $0.hasSuffix(".json") }) {
                return folder
            }
        }
        throw CLIError("no device profiles found (looked in \(looked.joined(separator: ", "))); pass --devices-dir")
    }

    static func parent(_ path: String) -> String? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let head = String(path[..<slash])
        return head.isEmpty ? "/" : head
    }
}
