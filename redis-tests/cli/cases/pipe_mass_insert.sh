# redis-cli --pipe mass insert: 10000 SETs in RESP, then DBSIZE and spot checks.
awk 'BEGIN { for (i = 0; i < 10000; i++) {
  k = "key:" i; v = "value:" i;
  printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v } }' \
  | $CLI --pipe
$CLI DBSIZE
$CLI GET key:0
$CLI GET key:9999
$CLI --no-raw EXISTS key:10000
