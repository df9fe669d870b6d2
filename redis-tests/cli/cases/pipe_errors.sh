# redis-cli --pipe with some failing commands: the error count comes back and the rest apply.
printf '*3\r\n$3\r\nSET\r\n$1\r\na\r\n$3\r\nabc\r\n*2\r\n$4\r\nINCR\r\n$1\r\na\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*1\r\n$3\r\nGET\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n' \
  | $CLI --pipe || echo "redis-cli exit status $?"
$CLI GET a
$CLI GET n
