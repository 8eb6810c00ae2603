; Names bound inside a method, constructor or lambda (see locals-python.scm for the captures).
(method_declaration) @scope
(constructor_declaration) @scope
(lambda_expression) @scope

(formal_parameter name: (identifier) @param)
(spread_parameter (variable_declarator name: (identifier) @param))
(lambda_expression parameters: (identifier) @param)
(inferred_parameters (identifier) @param)

(local_variable_declaration declarator: (variable_declarator name: (identifier) @local))
(catch_formal_parameter name: (identifier) @local)
(enhanced_for_statement name: (identifier) @local)
(resource name: (identifier) @local)
(instanceof_expression name: (identifier) @local)
