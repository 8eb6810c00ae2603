; Methods are functions inside a class body; the grammar's tags.scm calls them functions.
(decorated_definition
  definition: (class_definition name: (identifier) @name) @definition.class)
