; tree-sitter-cpp's tags.scm captures only the function_declarator (one line, no return type, no
; body); capture whole function definitions so ranges and signatures cover the function.
(function_definition
  declarator: (function_declarator
    declarator: [(identifier) (field_identifier)] @name)) @definition.function
(function_definition
  declarator: (function_declarator
    declarator: (qualified_identifier name: (identifier) @name))) @definition.method
(function_definition
  declarator: (pointer_declarator
    declarator: (function_declarator
      declarator: [(identifier) (field_identifier)] @name))) @definition.function
(function_definition
  declarator: (reference_declarator
    (function_declarator
      declarator: [(identifier) (field_identifier)] @name))) @definition.function
(namespace_definition name: (namespace_identifier) @name) @definition.module
(declaration
  declarator: (function_declarator declarator: (identifier) @name)) @definition.function
(field_declaration
  declarator: (function_declarator declarator: (field_identifier) @name)) @definition.method
(function_definition
  declarator: (function_declarator
    declarator: (qualified_identifier
      name: (qualified_identifier name: (identifier) @name)))) @definition.method
