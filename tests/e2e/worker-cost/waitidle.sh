#!/bin/bash
# waits (up to $1 s) until the CPUs were >= 85 % idle over 5 s
end=$(( $(date +%s) + ${1:-600} ))
while [ $(date +%s) -lt $end ]; do
  read -r _ u n s i w x y z _ < /proc/stat; t1=$((u+n+s+i+w+x+y+z)); i1=$i
  sleep 5
  read -r _ u n s i w x y z _ < /proc/stat; t2=$((u+n+s+i+w+x+y+z)); i2=$i
  idle=$(( 100 * (i2-i1) / (t2-t1) ))
  if [ $idle -ge 85 ]; then echo "idle $idle% at $(date +%T)"; exit 0; fi
done
echo "never idle (last $idle%)"; exit 1
