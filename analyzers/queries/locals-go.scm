; Names bound inside a function (see locals-python.scm for the captures).
(function_declaration) @scope
(method_declaration) @scope
(func_literal) @scope

(parameter_declaration name: (identifier) @param)
(variadic_parameter_declaration name: (identifier) @param)

(short_var_declaration left: (expression_list (identifier) @local))
(var_spec name: (identifier) @local)
(const_spec name: (identifier) @local)
(range_clause left: (expression_list (identifier) @local))
(type_switch_statement alias: (expression_list (identifier) @local))

; A struct field's name where its struct declares it (``Pattern string``): the file's own field,
; no use of a definition elsewhere (a word of the file still).
(field_declaration name: (field_identifier) @keyword)

; A composite literal's key where a struct value is built (`Route{Handler: h}`, and an element
; whose type is left out, `[]Route{{Handler: h}}`): a field of that struct, no use of a
; definition elsewhere by that name. An array's, slice's or map's key (`[...]string{KindA: "a"}`)
; is a value: a use.
(composite_literal
  type: [(type_identifier) (qualified_type) (generic_type)]
  body: (literal_value (keyed_element key: (literal_element (identifier) @keyword))))
(literal_element (literal_value (keyed_element key: (literal_element (identifier) @keyword))))
