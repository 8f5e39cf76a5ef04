/* Linked with one layer's library whole and nothing above it
 * (daemon/CMakeLists.txt): a call from that layer to a higher one leaves
 * an undefined symbol and the link fails. Nothing to run. */
int main(void)
{
    return 0;
}
