; Names bound inside a function (see locals-python.scm for the captures); TypeScript and TSX.
(function_declaration) @scope
(generator_function_declaration) @scope
(function_expression) @scope
(generator_function) @scope
(arrow_function) @scope
(method_definition) @scope

(required_parameter pattern: (identifier) @param)
(optional_parameter pattern: (identifier) @param)
(required_parameter pattern: (rest_pattern (identifier) @param))
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
