-- exit: 1
-- An uncaught error whose value is a table without __tostring: the interpreter reports
-- "(error object is a table value)" and exits with status 1.
io.write("partial line without newline")
error({code = 3})
