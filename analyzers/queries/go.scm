; A package's constants and variables (not a function's), one definition per name: the grammar's
; tags.scm defines none. `_` (`var _ io.Reader = (*T)(nil)`) names nothing. (`name:` would also
; match the comma of `const a, b = 1, 2`, and miss `b`: the grammar gives the comma that field.)
(source_file
  (const_declaration
    (const_spec (identifier) @name) @definition.constant)
  (#not-eq? @name "_"))
(source_file
  (var_declaration
    (var_spec (identifier) @name) @definition.constant)
  (#not-eq? @name "_"))
(source_file
  (var_declaration
    (var_spec_list
      (var_spec (identifier) @name) @definition.constant))
  (#not-eq? @name "_"))
