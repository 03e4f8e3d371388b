/// The commented config file `provision` writes: every setting with its
/// help text; those given a value are set, the rest stay commented out at
/// their defaults.
public enum ConfigTemplate {
    public static func render(values: [String: String]) -> String {
        var text = """
        # Vitalgate gateway configuration.
        # Format: `key = value`; `#` starts a comment. Command-line flags and
        # VITALGATE_<KEY> environment variables override what is set here.

        """
        for setting in Setting.all {
            text += "\n# \(setting.help)\n"
            if let v = values[setting.key] {
                text += "\(setting.key) = \(v)\n"
            } else {
                text += "# \(setting.key) = \(setting.defaultValue ?? "")\n"
            }
        }
        return text
    }
}
