/*
  The EICAR anti-virus test file: harmless by design, used for the demo samples.
  Only a fragment of the test string appears here, so this file is not itself the test file.
*/
rule EICAR_Test_File
{
    meta:
        description = "EICAR anti-virus test file"
    strings:
        $name = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE"
    condition:
        $name at 28 and filesize < 200
}
