# A hard link and a symbolic link with names of their own.
where=vm
run_args=(--host -F proc.comm==ln)
workload() { : > catlinktarget; ln catlinktarget catlinkhard; ln -s catlinktarget catlinksym; }
check() {
  jq -e -s '[.[] | select(.target | tostring | test("catlinktarget"))] | length >= 2' > /dev/null
}
