# redis-cli --scan with patterns: every key exactly once (sorted, since order is the server's).
$CLI MSET user:1 a user:2 b user:10 c item:1 d item:2 e other f > /dev/null
$CLI --scan | sort
echo --
$CLI --scan --pattern 'user:*' | sort
echo --
$CLI --scan --pattern 'item:?' | sort
echo --
$CLI --scan --pattern 'nothing*' | wc -l
awk 'BEGIN { for (i = 0; i < 2000; i++) printf "SET many:%d x\r\n", i }' | $CLI --pipe > /dev/null
$CLI --scan --pattern 'many:*' | sort -u | wc -l
$CLI --scan --pattern 'many:*' | wc -l
$CLI --scan --pattern 'many:1??' | sort | head -3
