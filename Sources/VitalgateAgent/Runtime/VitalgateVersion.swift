/// The release, in one place: `vitalgate --version`, the agent's start line,
/// `status --json` and the Debian package's version all read it from here.
public enum VitalgateVersion {
    public static let current = "0.9.0"
}
