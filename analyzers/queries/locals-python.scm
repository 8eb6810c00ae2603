; Names bound inside a function (parameters and local targets), so that their uses there are not
; counted as references to a definition of the same name elsewhere. Captures, read by
; analyzers.syntax: @scope (a function or comprehension: its bindings hold inside its bytes),
; @param, @local (a bound name), @global (declared global/nonlocal: not local after all),
; @function_name and @decorator (to find pytest tests and fixtures, whose parameters name
; fixtures and so stay references), @keyword (a keyword argument's name: never a reference).
(function_definition name: (identifier) @function_name) @scope
(lambda) @scope
(list_comprehension) @scope
(set_comprehension) @scope
(dictionary_comprehension) @scope
(generator_expression) @scope

(decorator) @decorator

(parameters (identifier) @param)
(lambda_parameters (identifier) @param)
(default_parameter name: (identifier) @param)
(typed_parameter (identifier) @param)
(typed_default_parameter name: (identifier) @param)
(list_splat_pattern (identifier) @param)
(dictionary_splat_pattern (identifier) @param)

(assignment left: (identifier) @local)
(augmented_assignment left: (identifier) @local)
(pattern_list (identifier) @local)
(tuple_pattern (identifier) @local)
(list_pattern (identifier) @local)
(for_statement left: (identifier) @local)
(for_in_clause left: (identifier) @local)
(as_pattern_target (identifier) @local)
(as_pattern_target (tuple (identifier) @local))
(named_expression name: (identifier) @local)

(global_statement (identifier) @global)
(nonlocal_statement (identifier) @global)

; A keyword argument's name is a parameter of the callee, never a use of a definition.
(keyword_argument name: (identifier) @keyword)
