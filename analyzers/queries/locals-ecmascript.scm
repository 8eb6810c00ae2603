; Names bound inside a function in JavaScript, TypeScript and TSX (see locals-python.scm for
; the captures); each language's own parameter patterns are in locals-<lang>.scm.
(function_declaration) @scope
(generator_function_declaration) @scope
(function_expression) @scope
(generator_function) @scope
(arrow_function) @scope
(method_definition) @scope

(arrow_function parameter: (identifier) @param)

(variable_declarator name: (identifier) @local)
(catch_clause parameter: (identifier) @local)
(for_in_statement left: (identifier) @local)
(object_pattern (shorthand_property_identifier_pattern) @local)
(object_assignment_pattern left: (shorthand_property_identifier_pattern) @local)
(pair_pattern value: (identifier) @local)
(array_pattern (identifier) @local)
(rest_pattern (identifier) @local)
(assignment_pattern left: (identifier) @local)
