# Commands given as redis-cli arguments, stdin values (-x), repeats (-r) and RESP3 (-3).
$CLI SET k "hello world"
$CLI GET k
$CLI --no-raw GET missing
$CLI --no-raw STRLEN k
printf 'from stdin' | $CLI -x SET k2
$CLI GET k2
$CLI -r 3 INCR c
$CLI --no-raw MGET k k2 missing
$CLI -3 --no-raw GET missing
$CLI -3 --no-raw CONFIG GET timeout
$CLI -3 --no-raw MGET k missing
$CLI --no-raw INCR k
$CLI --csv MGET c k2
$CLI DBSIZE
