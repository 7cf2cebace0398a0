/* Demo rules for the harmless samples that `backoffice seed-demo` creates. */
rule Demo_Suspicious_Script
{
    meta:
        description = "a demo 'suspicious' batch script (harmless text)"
    strings:
        $marker = "VIRUSLAB-DEMO-SUSPICIOUS"
    condition:
        $marker
}

rule Zip_Archive
{
    meta:
        description = "a zip archive"
    condition:
        uint32(0) == 0x04034b50
}
