; TypeScript's and TSX's parameters (with locals-ecmascript.scm).
(required_parameter pattern: (identifier) @param)
(optional_parameter pattern: (identifier) @param)
(required_parameter pattern: (rest_pattern (identifier) @param))
