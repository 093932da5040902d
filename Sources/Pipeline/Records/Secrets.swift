import Foundation

/// The one rule for keeping secrets out of logs and messages: a URL's password
/// (`scheme://user:PASSWORD@host`) and a `password=` parameter become `***`.
public enum Secrets {
    public static func redacted(_ text: String) -> String {
        text.replacingOccurrences(of: #":[^:@/]*@"#, with: ":***@", options: .regularExpression)
            .replacingOccurrences(of: #"(?i)([?&;]password=)[^&;]*"#, with: "$1***", options: .regularExpression)
    }
}
