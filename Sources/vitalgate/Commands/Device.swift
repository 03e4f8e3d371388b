import ArgumentParser
import VitalgateAgent

struct Device: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enrol, list, show, assign and revoke devices.",
        discussion: "add and revoke rewrite the broker's password and ACL files and reload the broker (docs/security.md).",
        subcommands: [DeviceAdd.self, DeviceList.self, DeviceShow.self, DeviceAssign.self, DeviceRevoke.self])
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
}
